"""The guarded admin operations: who may change what, and the change itself."""
