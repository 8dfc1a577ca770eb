"""Supervisor statistics: call-centre metrics for any period, kept fast by
rollups (see rollups.py for the design, query.py for how a period is read)."""
