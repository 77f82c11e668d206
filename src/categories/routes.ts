import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

// Filled in by the categories work.
const routes: FastifyPluginAsyncTypebox = async function () {}

export default routes
