"""The customer's own portal (customer-managed relationship) and the data subject's rights."""
