"""The `spi` command: parsers, commands and renderers, feature first
(scoring_*, whatif_*, survey_*). Importing it loads no grpc: the client library is imported
only by ``--server`` paths."""
