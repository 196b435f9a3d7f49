export declare const TEST_TOOLS: {
  promtool: string;
  prometheus: string;
  'prometheus-alertmanager': string;
  amtool: string;
  chromium: string;
  lz4: string;
  java: string;
  mvn: string;
  openssl: string;
};
export type TestTool = keyof typeof TEST_TOOLS;
export declare function findTool(tool: TestTool, path?: string): string | undefined;
export declare function installAdvice(tools: readonly TestTool[]): string;
export declare function kafkaJarsFetched(home?: string): boolean;
export declare function missingForSuite(): TestTool[];
export declare function questdbJarFetched(home?: string): boolean;
