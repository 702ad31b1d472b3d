"""Reports over many incidents: trends, MTTR and the backlog, aggregated in SQL."""
