"""Bundled survey instruments (protobuf text, ``spi.v1.Instrument``), loaded by spi_engine.survey.

``example-survey.txtpb`` is an EXAMPLE questionnaire for an institution's own SPI-style survey. It
is not KPK's questionnaire: KPK does not publish its items, scales or dimension weights.
"""
