"""Pure rules of village affairs: no Django imports."""
