export const categorySchemas = []
