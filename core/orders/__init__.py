"""Orders: the status workflow and its bound actions, the queue, one order's detail, and the money
figures every report uses."""
