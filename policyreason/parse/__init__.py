"""Turning text into IR: Lark grammars with source positions kept."""
