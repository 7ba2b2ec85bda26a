"""Connection settings, copied from a developer's laptop."""

DB_HOST = "orders.cluster-abc123.eu-west-1.rds.amazonaws.com"
DB_USER = "orders_app"
DB_PASSWORD = "Tr0ub4dor&3x"
