"""The demo pet-supplies seller: ninety days of believable trade, written through core's services."""
