"""The request/response layer: spi.v1 request messages in, response messages out, no maths.

:mod:`spi_engine.api.table` maps each RPC of spi.v1.SpiEngine to its answer function; the
server's handlers and the CLI's in-process backend both dispatch through it, so the two give
the same messages. Adding an RPC: the proto, the maths module, an answer function, one row.
"""
