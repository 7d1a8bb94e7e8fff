"""What runs on lab hardware: the device agent and the fleet simulator (issue 3)."""
