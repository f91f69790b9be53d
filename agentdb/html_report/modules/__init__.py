"""One section per module, drawn from the module's own views; a module appears only where migrated."""
