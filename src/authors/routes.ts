import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

// Filled in by the authors work.
const routes: FastifyPluginAsyncTypebox = async function () {}

export default routes
