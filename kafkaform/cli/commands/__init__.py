"""One module per command group; `kafkaform.cli` imports them all."""
