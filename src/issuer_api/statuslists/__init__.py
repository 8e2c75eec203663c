"""Bitstring Status Lists: index allocation, status bits, the published list credentials."""
