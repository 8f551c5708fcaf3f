"""spi_client: the Python client and the `spi` command."""
