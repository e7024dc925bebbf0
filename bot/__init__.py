"""brandgate: brand-guideline checks, approval routing and an audit log for agency-written posts."""

__version__ = "0.1.0"
