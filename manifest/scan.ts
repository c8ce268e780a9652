/**
 * Finds what the code asks of Slack, for the manifest check:
 *
 * - **Listeners**, by building a real Bolt app and running the app's own `registerListeners` on it, with the
 *   registering methods (`command`, `action`, `view`, `event`, `shortcut`, `options`, `message`) wrapped to record
 *   their constraints. Whatever an engineer registers, however the id is computed, shows up here.
 * - **Web API calls, emitted action ids and modal callback ids**, by a static scan of `src/**\/*.ts` (minus
 *   `src/standin/**`, which is the fake of Slack, not a caller) with the TypeScript compiler: a call is a Web API
 *   call when its receiver's type is `WebClient`, whatever the variable is called.
 *
 * Limits of the static part (reported, never guessed): a string is resolved when it is a literal, a template or
 * concatenation of resolvable parts, a `const`, a property of a `const` object, a value whose type is a string
 * literal (or a union of them), or a function parameter whose every call site passes a resolvable argument. Ids
 * built at run time from data (`action_id: \`approve_${invitation.id}\``) cannot be resolved and are listed as
 * unresolved; Web API calls through `client.apiCall(name)` with a computed name likewise; calls made through a
 * destructured namespace (`const { chat } = client`) or through a client typed as `any` are not seen at all.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { App, type Receiver } from '@slack/bolt';
import ts from 'typescript';
import type { OrgContext } from '../src/slack/context.js';

/** Where something was found: a path relative to the repository root, and a 1-based line. */
export interface Location {
  file: string;
  line: number;
}

/** The constraint a listener was registered with, as Bolt received it. */
export type ListenerConstraint = string | RegExp | Record<string, unknown> | undefined;

/** One registration call on the app. */
export interface Registration {
  kind: 'command' | 'action' | 'view' | 'event' | 'shortcut' | 'options' | 'message';
  constraint: ListenerConstraint;
}

/** A Web API call found in the code. */
export interface ApiCall extends Location {
  /** `chat.postMessage`; null when the method name could not be resolved (`apiCall(name)`). */
  method: string | null;
  /** The source text of the call's callee, for the report. */
  callee: string;
}

/** An `action_id` or modal `callback_id` found in the code. */
export interface EmittedId extends Location {
  /** Every value the expression can take; null when the scan cannot tell. */
  values: string[] | null;
  expression: string;
  /** False for elements of input blocks (no `dispatch_action`) and modals without a submit button. */
  needsListener: boolean;
}

/** Everything the scan found. */
export interface CodeScan {
  registrations: Registration[];
  apiCalls: ApiCall[];
  actionIds: EmittedId[];
  viewCallbackIds: EmittedId[];
  /** Places that read a Slack profile's email (needs `users:read.email`). */
  profileEmailReads: Location[];
  /** The files scanned (relative paths). */
  files: string[];
}

const REGISTERING_METHODS = ['command', 'action', 'view', 'event', 'shortcut', 'options', 'message'] as const;

/** A receiver that never listens: the app is built only to see what registers on it. */
const inertReceiver: Receiver = {
  init: () => undefined,
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
};

/**
 * Builds a real Bolt app (no network: token verification is off and the receiver never listens) and runs the
 * project's `registerListeners(app)` on it, recording each registration.
 * @param register the project's registration function (`src/slack/register.ts`)
 */
export function recordRegistrations<A extends App>(register: (app: A) => void, app: A): Registration[] {
  const recorded: Registration[] = [];
  for (const kind of REGISTERING_METHODS) {
    const original = app[kind];
    Object.defineProperty(app, kind, {
      configurable: true,
      value: (...args: unknown[]) => {
        const first = args[0];
        const constraint: ListenerConstraint =
          typeof first === 'string' || first instanceof RegExp
            ? first
            : first !== null && typeof first === 'object'
              ? { ...first }
              : undefined;
        recorded.push({ kind, constraint });
        return Reflect.apply(original, app, args);
      },
    });
  }
  register(app);
  return recorded;
}

/** A Bolt app that makes no network call, for {@link recordRegistrations}. */
export function inertApp<C extends Record<string, unknown>>(): App<C> {
  return new App<C>({
    token: 'xoxb-manifest-check',
    receiver: inertReceiver,
    tokenVerificationEnabled: false,
    botId: 'B0MANIFEST',
    botUserId: 'U0MANIFEST',
  });
}

/** Every `.ts` file under `dir`, minus the excluded folders (paths relative to `dir`, with "/"). */
export function listSourceFiles(dir: string, exclude: readonly string[]): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => p.split('\\').join('/'))
    .filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))
    .filter((p) => !exclude.some((x) => p === x || p.startsWith(`${x}/`)))
    .sort();
}

const MAX_DEPTH = 8;

/**
 * Scans source files with the TypeScript compiler.
 * @param root repository root; reported paths are relative to it
 * @param files absolute paths of the files to scan
 */
export function scanSource(root: string, files: readonly string[]): Omit<CodeScan, 'registrations'> {
  const program = ts.createProgram([...files], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const wanted = new Set(files.map((f) => resolve(f)));
  const sources = program.getSourceFiles().filter((s) => wanted.has(resolve(s.fileName)));

  const where = (node: ts.Node): Location => {
    const sf = node.getSourceFile();
    return {
      file: relative(root, sf.fileName).split('\\').join('/'),
      line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1,
    };
  };

  const declarationOf = (node: ts.Node): ts.Declaration | undefined => {
    let symbol = checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  };

  // Call sites by the function they call, to resolve `action_id: id` where `id` is a parameter.
  const callsByFunction = new Map<ts.Node, ts.CallExpression[]>();
  const functionNodeOf = (decl: ts.Declaration | undefined): ts.Node | undefined => {
    if (!decl) return undefined;
    if (ts.isFunctionLike(decl)) return decl;
    if (ts.isVariableDeclaration(decl) && decl.initializer && ts.isFunctionLike(decl.initializer)) {
      return decl.initializer;
    }
    return undefined;
  };

  const isWebClient = (node: ts.Expression): boolean => {
    const type = checker.getNonNullableType(checker.getTypeAtLocation(node));
    return (type.getSymbol() ?? type.aliasSymbol)?.getName() === 'WebClient';
  };

  const literalValuesOfType = (node: ts.Node): string[] | null => {
    const type = checker.getTypeAtLocation(node);
    const parts = type.isUnion() ? type.types : [type];
    const values: string[] = [];
    for (const part of parts) {
      if (!part.isStringLiteral()) return null;
      values.push(part.value);
    }
    return values.length > 0 ? values : null;
  };

  const product = (left: string[] | null, right: string[] | null): string[] | null =>
    left && right ? left.flatMap((l) => right.map((r) => l + r)) : null;

  const evaluate = (expr: ts.Expression, depth = 0): string[] | null => {
    if (depth > MAX_DEPTH) return null;
    const next = depth + 1;
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr.text];
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) {
      return evaluate(expr.expression, next);
    }
    if (ts.isTemplateExpression(expr)) {
      let acc: string[] | null = [expr.head.text];
      for (const span of expr.templateSpans) {
        acc = product(product(acc, evaluate(span.expression, next)), [span.literal.text]);
      }
      return acc;
    }
    if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      return product(evaluate(expr.left, next), evaluate(expr.right, next));
    }
    if (ts.isConditionalExpression(expr)) {
      const a = evaluate(expr.whenTrue, next);
      const b = evaluate(expr.whenFalse, next);
      return a && b ? [...new Set([...a, ...b])] : null;
    }
    const typed = literalValuesOfType(expr);
    if (typed) return typed;
    if (ts.isIdentifier(expr) || ts.isPropertyAccessExpression(expr)) {
      const decl = declarationOf(ts.isPropertyAccessExpression(expr) ? expr.name : expr);
      if (!decl) return null;
      if (ts.isVariableDeclaration(decl) && decl.initializer && isConstDeclaration(decl)) {
        return evaluate(decl.initializer, next);
      }
      if (ts.isPropertyAssignment(decl)) return evaluate(decl.initializer, next);
      if (ts.isEnumMember(decl) && decl.initializer) return evaluate(decl.initializer, next);
      if (ts.isParameter(decl) && ts.isIdentifier(decl.name)) {
        const fn = decl.parent;
        const index = fn.parameters.indexOf(decl);
        const calls = callsByFunction.get(fn) ?? [];
        if (calls.length === 0) return null;
        const values = new Set<string>();
        for (const call of calls) {
          const arg = call.arguments[index];
          const v = arg ? evaluate(arg, next) : decl.initializer ? evaluate(decl.initializer, next) : null;
          if (!v) return null;
          for (const s of v) values.add(s);
        }
        return [...values];
      }
    }
    return null;
  };

  const propertyOf = (obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined => {
    for (const p of obj.properties) {
      if (ts.isPropertyAssignment(p) && propertyName(p.name) === name) return p.initializer;
    }
    return undefined;
  };

  const apiCalls: ApiCall[] = [];
  const actionIds: EmittedId[] = [];
  const viewCallbackIds: EmittedId[] = [];
  const profileEmailReads: Location[] = [];

  // First pass: index call sites by callee function.
  const indexCalls = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const fn = functionNodeOf(declarationOf(calleeName(node.expression)));
      if (fn) callsByFunction.set(fn, [...(callsByFunction.get(fn) ?? []), node]);
    }
    ts.forEachChild(node, indexCalls);
  };
  for (const sf of sources) indexCalls(sf);

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) inspectCall(node);
    if (ts.isPropertyAssignment(node)) inspectProperty(node);
    if (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === 'email' &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'profile'
    ) {
      profileEmailReads.push(where(node));
    }
    ts.forEachChild(node, visit);
  };

  const inspectCall = (call: ts.CallExpression): void => {
    const callee = call.expression;
    const calleeText = callee.getText();
    const sayType = checker.getTypeAtLocation(callee).aliasSymbol?.getName();
    if (sayType === 'SayFn') {
      apiCalls.push({ ...where(call), method: 'chat.postMessage', callee: calleeText });
      return;
    }
    if (!ts.isPropertyAccessExpression(callee)) return;
    const names = [callee.name.text];
    let receiver: ts.Expression = callee.expression;
    for (;;) {
      if (isWebClient(receiver)) break;
      if (!ts.isPropertyAccessExpression(receiver)) return;
      names.unshift(receiver.name.text);
      receiver = receiver.expression;
    }
    const [first] = names;
    if (names.length === 1 && (first === 'apiCall' || first === 'paginate')) {
      const arg = call.arguments[0];
      const values = arg ? evaluate(arg) : null;
      if (!values) apiCalls.push({ ...where(call), method: null, callee: calleeText });
      else for (const method of values) apiCalls.push({ ...where(call), method, callee: calleeText });
      return;
    }
    if (names.length === 1 && first === 'filesUploadV2') {
      apiCalls.push({ ...where(call), method: 'files.uploadV2', callee: calleeText });
      return;
    }
    if (names.length >= 2) apiCalls.push({ ...where(call), method: names.join('.'), callee: calleeText });
  };

  const inspectProperty = (prop: ts.PropertyAssignment): void => {
    const name = propertyName(prop.name);
    if (name !== 'action_id' && name !== 'callback_id') return;
    const owner = prop.parent;
    if (!ts.isObjectLiteralExpression(owner) || isListenerConstraint(owner)) return;
    const values = evaluate(prop.initializer);
    const base = { ...where(prop), values, expression: prop.initializer.getText() };
    if (name === 'action_id') {
      actionIds.push({ ...base, needsListener: !isInputElement(owner) });
      return;
    }
    const type = propertyOf(owner, 'type');
    const kind = type ? evaluate(type) : null;
    if (kind?.length === 1 && kind[0] === 'modal') {
      viewCallbackIds.push({ ...base, needsListener: propertyOf(owner, 'submit') !== undefined });
    }
  };

  /** `app.action({ action_id: … }, …)` and the like: a listener's constraint, not an id a block emits. */
  const isListenerConstraint = (literal: ts.ObjectLiteralExpression): boolean => {
    const call = literal.parent;
    return (
      ts.isCallExpression(call) &&
      call.arguments[0] === literal &&
      ts.isPropertyAccessExpression(call.expression) &&
      ['action', 'view', 'options', 'shortcut'].includes(call.expression.name.text)
    );
  };

  /** An element of an input block sends no block_actions unless the block sets `dispatch_action: true`. */
  const isInputElement = (element: ts.ObjectLiteralExpression): boolean => {
    const holder = element.parent;
    if (!ts.isPropertyAssignment(holder) || propertyName(holder.name) !== 'element') return false;
    const block = holder.parent;
    if (!ts.isObjectLiteralExpression(block)) return false;
    const type = propertyOf(block, 'type');
    const kind = type ? evaluate(type) : null;
    const dispatch = propertyOf(block, 'dispatch_action');
    return kind?.[0] === 'input' && dispatch?.kind !== ts.SyntaxKind.TrueKeyword;
  };

  for (const sf of sources) visit(sf);
  return {
    apiCalls,
    actionIds,
    viewCallbackIds,
    profileEmailReads,
    files: sources.map((s) => relative(root, s.fileName).split('\\').join('/')),
  };
}

function isConstDeclaration(decl: ts.VariableDeclaration): boolean {
  const list = decl.parent;
  return ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
}

function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) {
    return name.text;
  }
  return undefined;
}

/** The node naming the called function: `f` in `f()`, `g` in `a.b.g()`. */
function calleeName(expr: ts.Expression): ts.Node {
  return ts.isPropertyAccessExpression(expr) ? expr.name : expr;
}

/**
 * Scans the repository: listeners from the real registration code, the rest from `src/` minus `src/standin/`.
 * @param root the repository root
 */
export async function scanRepository(root: string): Promise<CodeScan> {
  const listeners = await import('../src/slack/register.js');
  const registrations = recordRegistrations(listeners.registerListeners, inertApp<OrgContext>());
  const srcDir = join(root, 'src');
  const files = listSourceFiles(srcDir, ['standin']).map((f) => join(srcDir, f));
  return { registrations, ...scanSource(root, files) };
}
