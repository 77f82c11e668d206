import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

// Filled in by the comments work.
const routes: FastifyPluginAsyncTypebox = async function () {}

export default routes
