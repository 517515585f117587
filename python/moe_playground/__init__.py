"""
PyTorch twins of the playground's models (src/engine/models), the data encoding of src/engine/data, the run zip of
src/engine/io, and a DistributedDataParallel trainer launched by torchrun. The TypeScript engine is the source of
truth: every module names the file it mirrors.
"""
