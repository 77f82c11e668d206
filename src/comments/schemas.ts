export const commentSchemas = []
