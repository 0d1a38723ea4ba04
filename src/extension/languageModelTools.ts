import * as path from 'node:path';
import * as vscode from 'vscode';
import { callTool, describeToolCall, TOOLS } from '../core/tools';
import type { StoreService } from './storeService';

/**
 * The core's tool catalogue as VS Code language-model tools (Copilot agent mode, `#` references in
 * chat), and — where VS Code has the API (1.101+) — `track mcp` as an MCP server definition.
 * Declared in package.json (`contributes.languageModelTools`, same names and input schemas).
 */
export function registerLanguageModelTools(
  stores: StoreService,
  log: vscode.LogOutputChannel,
  afterWrite: (folder: vscode.WorkspaceFolder) => void,
): vscode.Disposable[] {
  const lm = vscode.lm as Partial<typeof vscode.lm> | undefined;
  if (!lm || typeof lm.registerTool !== 'function') return [];
  return TOOLS.map((tool) =>
    lm.registerTool!<Record<string, unknown>>(tool.name, {
      async prepareInvocation(options) {
        const folder = await targetFolder(stores);
        if (!folder) return { invocationMessage: tool.title };
        const described = await describeToolCall(stores.storeFor(folder), tool.name, options.input);
        if (!described) return { invocationMessage: tool.title };
        return {
          invocationMessage: described.message,
          confirmationMessages: { title: described.title, message: new vscode.MarkdownString(described.message) },
        };
      },
      async invoke(options) {
        const folder = await targetFolder(stores);
        if (!folder) {
          return textResult({ error: { code: 'E_USAGE', message: 'No workspace folder is open, so there is no track store. Open the project folder first.' } });
        }
        const outcome = await callTool(stores.storeFor(folder), tool.name, options.input);
        if (!outcome.ok) {
          log.warn(`Tool ${tool.name} failed: ${outcome.error.code}: ${outcome.error.message}`);
          return textResult({ error: outcome.error });
        }
        if (!tool.readOnly) afterWrite(folder);
        return textResult(outcome.result);
      },
    }),
  );
}

function textResult(value: unknown): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(JSON.stringify(value))]);
}

/**
 * The folder whose store a tool works on: the one holding the file being edited, else the first
 * folder that has a store, else the first folder.
 */
async function targetFolder(stores: StoreService): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = stores.folders();
  const editorUri = vscode.window.activeTextEditor?.document.uri;
  const ofEditor = editorUri ? vscode.workspace.getWorkspaceFolder(editorUri) : undefined;
  if (ofEditor && folders.includes(ofEditor)) return ofEditor;
  for (const folder of folders) if (await stores.storeFor(folder).exists()) return folder;
  return folders[0];
}

/** The 1.101+ API, declared here because @types/vscode is 1.100. */
interface McpStdioServerDefinitionConstructor {
  new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string): unknown;
}
interface McpApi {
  registerMcpServerDefinitionProvider(id: string, provider: { onDidChangeMcpServerDefinitions?: vscode.Event<void>; provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[] }): vscode.Disposable;
}

export const MCP_PROVIDER_ID = 'trackManager.mcp';

/**
 * Offers `track mcp` to VS Code's MCP support, one server per workspace folder, run by the Node
 * inside VS Code from the CLI shipped in the extension. Feature-detected: 1.100 has no such API.
 */
export function registerMcpServerDefinitions(context: vscode.ExtensionContext, stores: StoreService, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const api = vscode.lm as unknown as Partial<McpApi>;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: McpStdioServerDefinitionConstructor }).McpStdioServerDefinition;
  // 1.100 already has a proposed function of this name, bound to another contribution point.
  if (!hasFinalMcpApi(vscode.version) || typeof api.registerMcpServerDefinitionProvider !== 'function' || typeof Definition !== 'function') return [];
  try {
    return provideMcpServers(context, stores, api as McpApi, Definition);
  } catch (error) {
    log.warn(`Track Manager could not offer its MCP server to VS Code: ${(error as Error).message}`);
    return [];
  }
}

export function hasFinalMcpApi(version: string): boolean {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major > 1 || (major === 1 && minor >= 101);
}

export interface McpServerLaunch {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string | null>;
}

/** How VS Code starts `track mcp` for each folder: the Node inside VS Code, the CLI shipped in the extension. */
export function mcpServerLaunches(context: vscode.ExtensionContext, stores: StoreService): McpServerLaunch[] {
  const cli = path.join(context.extensionPath, 'dist', 'cli.js');
  const folders = stores.folders();
  return folders.map((folder) => ({
    label: folders.length > 1 ? `Track Manager (${folder.name})` : 'Track Manager',
    command: process.execPath,
    args: [cli, 'mcp', '--root', folder.uri.fsPath],
    env: { ELECTRON_RUN_AS_NODE: '1', TRACK_MANAGER_ROOT: null },
  }));
}

function provideMcpServers(context: vscode.ExtensionContext, stores: StoreService, api: McpApi, Definition: McpStdioServerDefinitionConstructor): vscode.Disposable[] {
  const changed = new vscode.EventEmitter<void>();
  const version = String((context.extension.packageJSON as { version?: string }).version ?? '0');
  return [
    changed,
    stores.onDidChangeStores(() => changed.fire()),
    api.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
      onDidChangeMcpServerDefinitions: changed.event,
      provideMcpServerDefinitions: () =>
        mcpServerLaunches(context, stores).map((launch) => new Definition(launch.label, launch.command, launch.args, launch.env, version)),
    }),
  ];
}
