"""Socket.IO: publish.py is the only module that emits; namespaces.py answers connects."""
