"""Stock: SKUs, the ledger of every change of on_hand, and the one allocator that reserves stock
for orders or says which orders must wait for it."""
