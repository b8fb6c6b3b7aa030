"""The city's rules, without Qt: categories, the closed loop, SLAs, the grid,
units and routing. Shared by the hub (which enforces them) and the console
(which shows and offers only what they allow)."""
