"""Staff: accounts and roles, device API tokens, the audit log and the /staff console."""
