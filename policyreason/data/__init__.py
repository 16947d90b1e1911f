"""Data shipped with the package: the AWS service authorization reference and global keys."""
