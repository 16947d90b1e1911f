"""The questions: each a small module over the shared IR and the SMT layer."""
