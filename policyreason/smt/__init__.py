"""The SMT layer: the only package that imports cvc5."""
