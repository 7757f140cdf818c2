import type { ShopConfig } from '../config/shopConfig.ts';
import { MAX_BODY_BYTES } from './readBody.ts';
import { USERNAME_MAX } from './validateLogin.ts';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const ORDER_ID = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'order id (8 lowercase hex)',
  schema: { type: 'string', pattern: '^[0-9a-f]{8}$' },
};
const needsSession = { 401: error('no session: log in first') };

/**
 * The OpenAPI 3.1 description of the JSON API, written by hand next to the routes and served at
 * `GET /openapi.json`. Menu choices are enumerated from the running configuration.
 */
export function openApiDocument(config: ShopConfig) {
  const m = config.menu;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pizza shop API',
      version: '1.0.0',
      description:
        'Log in (a session cookie carries your customer id), read the menu, place and cancel orders, follow them live (Server-Sent Events). Bodies are JSON, at most ' +
        `${MAX_BODY_BYTES} bytes.`,
    },
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'pizza_session' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', examples: ['INVALID_ORDER'] },
                message: { type: 'string' },
                problems: {
                  type: 'array',
                  items: { type: 'object', properties: { field: { type: 'string' }, problem: { type: 'string' } } },
                },
              },
            },
          },
        },
        Pizza: {
          type: 'object',
          additionalProperties: false,
          required: ['sauce', 'cheese', 'main_topping'],
          properties: {
            sauce: { type: 'string', enum: m.sauce },
            cheese: { type: 'string', enum: m.cheese },
            main_topping: { type: 'string', enum: m.mainTopping },
            extra_toppings: { type: 'array', uniqueItems: true, items: { type: 'string', enum: m.extraToppings }, default: [] },
          },
        },
        OrderSummary: {
          type: 'object',
          properties: {
            order_id: { type: 'string', pattern: '^[0-9a-f]{8}$' },
            status: { type: ['integer', 'null'] },
            status_name: { type: ['string', 'null'] },
            status_label: { type: 'string' },
            placed_at: { type: ['integer', 'null'], description: 'ms since epoch' },
            updated_at: { type: 'integer' },
            cancel_requested_at: { type: ['integer', 'null'] },
            order: ref('Pizza'),
          },
        },
        Order: {
          allOf: [
            ref('OrderSummary'),
            {
              type: 'object',
              properties: {
                customer_id: { type: 'string' },
                username: { type: 'string' },
                status_at: { type: ['integer', 'null'] },
                status_history: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      status: { type: 'integer' },
                      status_name: { type: ['string', 'null'] },
                      status_label: { type: 'string' },
                      timestamp: { type: 'integer' },
                      topic: { type: 'string' },
                      partition: { type: 'integer' },
                      offset: { type: 'integer' },
                    },
                  },
                },
                stages: { type: 'object', additionalProperties: { type: 'integer' } },
              },
            },
          ],
        },
      },
    },
    paths: {
      '/api/login': {
        post: {
          summary: 'Start a session with a new customer id',
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              additionalProperties: false,
              required: ['username'],
              properties: { username: { type: 'string', minLength: 1, maxLength: USERNAME_MAX } },
            }),
          },
          responses: {
            200: {
              description: 'logged in; the session cookie is set',
              headers: { 'Set-Cookie': { schema: { type: 'string' } } },
              content: json({
                type: 'object',
                properties: { customer_id: { type: 'string', pattern: '^[0-9a-f]{32}$' }, username: { type: 'string' } },
              }),
            },
            400: error('malformed JSON'),
            413: error('body too large'),
            415: error('not JSON'),
            422: error('invalid username'),
          },
        },
      },
      '/api/logout': { post: { summary: 'End the session', responses: { 200: { description: 'the session cookie is cleared' } } } },
      '/api/session': {
        get: {
          summary: 'Who is logged in',
          security: [{ session: [] }],
          responses: { 200: { description: 'the session' }, ...needsSession },
        },
      },
      '/api/menu': {
        get: {
          summary: 'The menu',
          security: [{ session: [] }],
          responses: {
            200: {
              description: 'choices',
              content: json({
                type: 'object',
                properties: {
                  sauce: { type: 'array' },
                  cheese: { type: 'array' },
                  main_topping: { type: 'array' },
                  extra_toppings: { type: 'array' },
                },
              }),
            },
            ...needsSession,
          },
        },
      },
      '/api/orders': {
        get: {
          summary: 'Your orders, newest first',
          security: [{ session: [] }],
          responses: {
            200: {
              description: 'orders',
              content: json({ type: 'object', properties: { orders: { type: 'array', items: ref('OrderSummary') } } }),
            },
            ...needsSession,
          },
        },
        post: {
          summary: `Place an order: produces ${config.topics.pizzaOrdered}`,
          security: [{ session: [] }],
          requestBody: { required: true, content: json(ref('Pizza')) },
          responses: {
            201: {
              description: 'placed',
              content: json({
                type: 'object',
                properties: { order_id: { type: 'string' }, status: { type: 'integer' }, status_label: { type: 'string' } },
              }),
            },
            400: error('malformed JSON'),
            ...needsSession,
            413: error('body too large'),
            415: error('not JSON'),
            422: error('not a valid order (unknown or missing choice, duplicates, wrong types, unknown fields)'),
            503: error('the log is not available; nothing was stored'),
          },
        },
      },
      '/api/orders/{id}': {
        get: {
          summary: 'One of your orders, with its status history',
          security: [{ session: [] }],
          parameters: [ORDER_ID],
          responses: {
            200: { description: 'the order', content: json(ref('Order')) },
            ...needsSession,
            404: error('no such order of yours'),
          },
        },
      },
      '/api/orders/{id}/timeline': {
        get: {
          summary: "The order's messages on every topic and the log lines about it",
          security: [{ session: [] }],
          parameters: [ORDER_ID],
          responses: { 200: { description: 'timeline and log lines' }, ...needsSession, 404: error('no such order of yours') },
        },
      },
      '/api/orders/{id}/cancel': {
        post: {
          summary: `Cancel an order: produces ${config.topics.pizzaCancelled} (until it is baked)`,
          security: [{ session: [] }],
          parameters: [ORDER_ID],
          responses: {
            202: { description: 'cancellation requested; the status becomes cancelled when the status actor confirms' },
            ...needsSession,
            404: error('no such order of yours'),
            409: error('already baked, finished or cancelled'),
          },
        },
      },
      '/api/orders/{id}/events': {
        get: {
          summary: 'Live stream of one order (Server-Sent Events: snapshot, then order per change)',
          security: [{ session: [] }],
          parameters: [ORDER_ID],
          responses: {
            200: { description: 'event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            ...needsSession,
            404: error('no such order of yours'),
          },
        },
      },
      '/api/events': {
        get: {
          summary: 'Live stream of all your orders (Server-Sent Events: order per change)',
          security: [{ session: [] }],
          responses: {
            200: { description: 'event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            ...needsSession,
          },
        },
      },
      '/api/kitchen': {
        get: {
          summary: 'The kitchen board: pizzas, queues, capacity, throughput per station',
          security: [{ session: [] }],
          responses: { 200: { description: 'board' }, ...needsSession },
        },
      },
      '/api/kitchen/events': {
        get: {
          summary: 'Live stream of the kitchen board (Server-Sent Events)',
          security: [{ session: [] }],
          responses: { 200: { description: 'event stream' }, ...needsSession },
        },
      },
      '/api/flow': {
        get: {
          summary: 'Which actor reads and writes which topic, with message counts',
          security: [{ session: [] }],
          responses: { 200: { description: 'topology' }, ...needsSession },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { 200: { description: 'text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/health-check': {
        get: {
          summary: 'Liveness',
          responses: { 200: { description: 'Ok', content: { 'text/plain': { schema: { type: 'string', const: 'Ok' } } } } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
  };
}
