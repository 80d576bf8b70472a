"""What comes back by SMS: residents' replies (an opt-out among them revokes SMS consent at
once), the provider's 080 opt-out list, and the provider's delivery-result callback."""
