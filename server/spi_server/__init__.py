"""spi_server: the gRPC adapter around spi_engine."""
