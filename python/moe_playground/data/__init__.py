"""The data layer of src/engine/data: CSV reading, the column mapping, the encoding fitted on train, the split."""
