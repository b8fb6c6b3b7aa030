"""The City Brain event hub: persistence, the city's rules, roles and the
demo simulator, speaking the wire contract in ``../shared/protocol.md``.
Headless: imports no Qt."""
