export const tagSchemas = []
