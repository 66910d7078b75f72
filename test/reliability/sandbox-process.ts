// A `sandbox-server` process of the built server (dist/index.js) for the script-runner suites: what they measure
// (CPU time, RSS) belongs to the process, read from /proc, so it is a process of its own.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { ENTRY } from "../helpers/spawn.js";

export interface SandboxProcess {
  child: ChildProcess;
  url: string;
  /** Upserts source `key` in development with `script` as its preprocess script. */
  script(key: string, script: string): Promise<void>;
  rehearse(key: string): Promise<{ status: number; headers: Headers; json: any }>;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  /** Resident memory now and at its peak, in MB. */
  memoryMb(): { rss: number; peak: number };
  stop(): void;
}

/** The upsert body of source `key` in development with `script` as its preprocess script. */
export function scriptedSource(key: string, script: string) {
  return {
    source: {
      name: key,
      environment_settings: {
        development: {
          settings: {
            event_type_path: "body.type",
            preprocess_script: { language: "javascript", source: script },
          },
          mappings: [],
        },
      },
    },
  };
}

export async function startSandboxProcess(): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [ENTRY, "sandbox-server", "--port", "0"], {
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox-server did not start: ${stderr}`)), 10_000);
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`sandbox-server exited ${code}: ${stderr}`)));
  });
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: "Bearer knock_st_test", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, json: await res.json() };
  };
  const status = () => readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = (text: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1]);
  return {
    child,
    url,
    async script(key, script) {
      const res = await call(
        "PUT",
        `/v1/sources/${key}?environment=development`,
        scriptedSource(key, script),
      );
      if (res.status !== 200) throw new Error(`upsert of ${key} answered ${res.status}`);
    },
    rehearse: (key) =>
      call("POST", `/v1/sources/${key}/rehearse?environment=development`, {
        payload: { body: { type: "ping" }, headers: {} },
      }),
    cpuSeconds() {
      // Fields 14 and 15 of /proc/PID/stat (utime, stime), in clock ticks of 1/100 s; the name may hold spaces.
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    memoryMb() {
      const text = status();
      return { rss: kb(text, "VmRSS") / 1024, peak: kb(text, "VmHWM") / 1024 };
    },
    stop: () => child.kill("SIGKILL"),
  };
}
