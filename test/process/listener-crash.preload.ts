/**
 * Test-only preload (`node --import tsx --import ./test/process/listener-crash.preload.ts src/main.ts`): the first
 * `users.info` call a listener makes also starts a promise that rejects with nobody to catch it, as a listener's
 * forgotten `await` would. The rejection happens in the listener's asynchronous context, outside Bolt's error
 * handling. Nothing in src/ knows of it.
 */
import { WebClient } from '@slack/web-api';

const original = WebClient.prototype.apiCall;
let fired = false;
WebClient.prototype.apiCall = function apiCall(this: WebClient, method, options) {
  if (method === 'users.info' && !fired) {
    fired = true;
    void Promise.reject(new Error('simulated listener crash: a promise nobody awaited rejected'));
  }
  return original.call(this, method, options);
};
