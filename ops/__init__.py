"""Running OrderHub for a team on one machine: a private PostgreSQL cluster, nginx, the demo stack."""
