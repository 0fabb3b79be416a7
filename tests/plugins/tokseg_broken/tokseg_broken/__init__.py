"""tokseg provider plugins that cannot be used, one per way of failing."""
