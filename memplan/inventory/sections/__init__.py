"""One module per section of the inventory; document.Reader combines them."""
