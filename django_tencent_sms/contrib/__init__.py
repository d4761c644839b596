"""Optional integrations with other Django packages; each is an extra, imported only when used."""
