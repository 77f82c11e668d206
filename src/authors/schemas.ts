export const authorSchemas = []
