"""Timed scenarios, one module per area; every module here is imported by ``bench.registry``."""
