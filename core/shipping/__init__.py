"""Shipping: parcels (merge and split), batch actions on selected orders, the warehouse's lists,
senders, labels and paperwork."""
