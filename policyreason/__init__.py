"""policyreason: exact, offline reasoning about AWS access policies and VPC networks."""

__version__ = "0.1.0"
