/**
 * Go's text/template: Parse then Execute, with a FuncMap and the missingkey
 * option. Errors read exactly as Go's ("template: :1:2: executing \"\" at
 * <.Foo>: …"); on an execution error the output written so far is kept, as
 * Go's writer would have it.
 */
import { BUILTINS } from './builtins.js';
import { ExecError, State } from './exec.js';
import { TemplateError, parse, type Tree } from './parse.js';
import type { GoFunc, Val } from './types.js';

export { ExecError, TemplateError };

export class Template {
  private funcs: Map<string, GoFunc>;
  missingKey: 'invalid' | 'zero' | 'error' = 'invalid';

  private constructor(readonly name: string, private trees: Map<string, Tree>, funcs: Record<string, GoFunc>) {
    this.funcs = new Map(Object.entries(funcs));
  }

  /** template.New(name).Funcs(funcs).Parse(text); throws TemplateError. */
  static parse(text: string, funcs: Record<string, GoFunc> = {}, name = ''): Template {
    const names = new Set([...Object.keys(BUILTINS), ...Object.keys(funcs)]);
    return new Template(name, parse(name, text, names), funcs);
  }

  /** Funcs(): replaces functions by name for later executions. */
  withFuncs(funcs: Record<string, GoFunc>): this {
    for (const [k, f] of Object.entries(funcs)) this.funcs.set(k, f);
    return this;
  }

  /** Executes into out; throws ExecError after writing the partial output. */
  executeTo(data: Val, out: (s: string) => void): void {
    const tree = this.trees.get(this.name);
    if (!tree) throw new ExecError(`template: ${this.name}: ${JSON.stringify(this.name)} is an incomplete or empty template`);
    const state = new State({ name: this.name, trees: this.trees, funcs: this.funcs, missingKey: this.missingKey }, tree, out, data);
    state.walk(data, tree.root);
  }

  /** Executes to a string; throws ExecError (with the partial output in .partial). */
  execute(data: Val): string {
    let s = '';
    try {
      this.executeTo(data, (x) => { s += x; });
    } catch (e) {
      if (e instanceof ExecError) (e as ExecError & { partial?: string }).partial = s;
      throw e;
    }
    return s;
  }
}
