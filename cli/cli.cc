#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <optional>
#include <ostream>

#include "base/process_env.h"
#include "base/suggestion.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "plan/saved_plan.h"

namespace sd::cli {
namespace {

constexpr const char* kVersion = SYNCDEPLOY_VERSION;
constexpr const char* kVerboseHelp =
    "Text: every field of every action, each folder link on its own line (the default is one "
    "line per user)";

// Terraform's spelling `-out FILE` is what users type; CLI11 wants `--out`.
std::vector<std::string> normalize(std::vector<std::string> args) {
  for (std::string& a : args) {
    if (a == "-out") a = "--out";
    if (a.starts_with("-out=")) a = "--out=" + a.substr(5);
    if (a == "-detailed-exitcode") a = "--detailed-exitcode";
  }
  return args;
}

struct Parsed {
  ValidateOptions validate;
  PlanOptions plan;
  ShowOptions show;
  GraphOptions graph;
  DiffOptions diff;
  ApplyOptions apply;
  UnlockOptions unlock;
  ExportOptions export_;
  ImportOptions import;
  std::shared_ptr<LabCommand> lab;
  std::string help_topic;
  bool json = false, markdown = false;
  engine::VariableArguments variables;  // every command that reads a spec takes them
};

void define(CLI::App& app, Parsed& p) {
  app.require_subcommand(1, 1);
  app.fallthrough(false);

  // The spec's ${var:NAME} values (spec/variables.h), for every command that reads a spec.
  auto variable_options = [&p](CLI::App* command) {
    command
        ->add_option("--var", p.variables.assignments,
                     "The value of the spec's variable NAME (${var:NAME}); repeatable, and "
                     "after --var-file")
        ->type_name("NAME=VALUE");
    command
        ->add_option("--var-file", p.variables.files,
                     "Variable values from a YAML file of NAME: value lines; repeatable")
        ->type_name("FILE");
  };

  CLI::App* validate = app.add_subcommand(
      "validate", "Check specs against the schema and the rules, offline (no secrets read).");
  validate->add_option("spec", p.validate.specs, "Spec files (YAML)")->required();
  variable_options(validate);

  // plan, apply and diff ask Exchange about the users' mailboxes the same way.
  auto exchange_options = [](CLI::App* command, ExchangeReadOptions& o) {
    command->add_flag("--refresh", o.refresh,
                      "Ask every user's mailbox again, even where folder ids are known");
    command
        ->add_option("--ews-concurrency", o.concurrency,
                     "EWS requests in flight per Exchange server (default 8)")
        ->check(CLI::Range(1, 256));
  };

  CLI::App* plan = app.add_subcommand(
      "plan", "Show what would change to make live state match the spec (a dry run).");
  plan->add_option("spec", p.plan.spec, "Spec file (YAML)")->required();
  plan->add_option("--observed", p.plan.observed,
                   "Observed live state (JSON, docs/observed-state-format.md) instead of "
                   "reading the live systems (the default)");
  plan->add_flag("--json", p.json, "Print the plan as JSON (docs/plan-format.md)");
  plan->add_flag("--markdown", p.markdown, "Print the plan as Markdown for a pull request");
  plan->add_option("-o,--out", p.plan.out_file,
                   "Also save the JSON plan to FILE (Terraform's -out is accepted)");
  plan->add_flag("--detailed-exitcode", p.plan.detailed_exitcode,
                 "Exit 0 when nothing would change, 2 when something would (users who cannot "
                 "sync included), 1 on error or when the plan cannot be applied");
  plan->add_option("--only", p.plan.only,
                   "Limit to addresses starting with PREFIX (nexj, exchange, nexj.target, "
                   "nexj.folder_link/jsmith...); repeatable")
      ->type_name("PREFIX");
  plan->add_flag("--no-color", p.plan.no_color, "Never color the output (NO_COLOR works too)");
  plan->add_flag("-v,--verbose", p.plan.verbose, kVerboseHelp);
  plan->add_flag("--without-secrets", p.plan.without_secrets,
                 "Read no secret and do not ask Exchange (untrusted pull requests): secret fields "
                 "are not compared and the plan cannot be applied; the rest is planned");
  exchange_options(plan, p.plan.exchange);
  variable_options(plan);

  CLI::App* show = app.add_subcommand(
      "show", "Print a plan saved with plan -out again, from the file alone (no spec or secret).");
  show->add_option("plan", p.show.plan_file, "A plan saved with plan -out (JSON)")->required();
  show->add_flag("--json", p.json, "Print the plan as JSON, as plan -out wrote it");
  show->add_flag("--markdown", p.markdown, "Print the plan as Markdown for a pull request");
  show->add_flag("--no-color", p.show.no_color, "Never color the output (NO_COLOR works too)");
  show->add_flag("-v,--verbose", p.show.verbose, kVerboseHelp);

  CLI::App* apply = app.add_subcommand(
      "apply", "Make live state match the spec (or apply exactly a plan saved with plan -out).");
  apply->add_option("spec_or_plan", p.apply.input, "Spec file (YAML), or a saved plan (JSON)")
      ->required();
  apply->add_option("--only", p.apply.only, "Limit to addresses starting with PREFIX; repeatable")
      ->type_name("PREFIX");
  apply->add_flag("--auto-approve", p.apply.auto_approve,
                  "Do not ask for confirmation (CI; review the plan first)");
  apply->add_option("--journal", p.apply.journal,
                    "Journal database (default: beside the store, <store>.journal.db)");
  apply
      ->add_option("--lock-timeout", p.apply.lock_timeout,
                   "Seconds to wait for another apply of the deployment (default 0)")
      ->check(CLI::Range(0, 86400));
  apply->add_flag("--no-color", p.apply.no_color, "Never color the output");
  apply->add_flag("-v,--verbose", p.apply.verbose,
                  "Show every field of every action before asking (a large plan is otherwise "
                  "summarized: counts, risky actions, configuration)");
  exchange_options(apply, p.apply.exchange);
  variable_options(apply);

  CLI::App* diff = app.add_subcommand(
      "diff", "Report drift: where live state differs from the spec (read-only).");
  diff->add_option("spec", p.diff.spec, "Spec file (YAML)")->required();
  diff->add_option("--only", p.diff.only, "Limit to addresses starting with PREFIX; repeatable")
      ->type_name("PREFIX");
  diff->add_flag("--json", p.diff.json, "Print the drift as JSON (docs/plan-format.md)");
  diff->add_flag("--no-color", p.diff.no_color, "Never color the output");
  exchange_options(diff, p.diff.exchange);
  variable_options(diff);

  CLI::App* unlock = app.add_subcommand(
      "force-unlock", "Remove the apply lock of a deployment whose holder is dead.");
  unlock->add_option("spec", p.unlock.spec, "Spec file (YAML)")->required();
  unlock->add_option("lock_id", p.unlock.lock_id, "The lock ID the error message gave")->required();
  unlock->add_option("--journal", p.unlock.journal, "Journal database (default: beside the store)");
  variable_options(unlock);

  CLI::App* exported = app.add_subcommand(
      "export",
      "Write the Exchange part of the plan as a PowerShell script to review and run by hand "
      "(for sites that forbid remote execution).");
  exported->add_option("spec", p.export_.spec, "Spec file (YAML)")->required();
  exported->add_flag("--powershell", p.export_.powershell, "Export as PowerShell (required)");
  exported->add_option("--observed", p.export_.observed,
                       "Observed live state (JSON) instead of reading live systems");
  exported->add_option("-o,--out", p.export_.out_file, "Write the script to FILE");
  variable_options(exported);

  CLI::App* imported = app.add_subcommand(
      "import",
      "Write a spec (and a users CSV) from what the live systems hold, to bring a deployment "
      "set up by hand under management. Changes nothing live.");
  imported
      ->add_option("spec", p.import.spec,
                   "The spec to start from: its connections and secret references are "
                   "kept, the rest is read from live state")
      ->required();
  imported->add_option("-o,--out", p.import.out_dir, "Folder to write the spec and users CSV to")
      ->required();
  imported
      ->add_option("--only", p.import.only,
                   "Import only the types starting with PREFIX; the rest is the start spec's")
      ->type_name("PREFIX");
  imported->add_option("--service-account", p.import.service_account,
                       "The service account to start from instead of the spec's");
  imported->add_option("--observed", p.import.observed,
                       "Observed live state (JSON) instead of reading live systems");
  variable_options(imported);

  CLI::App* graph =
      app.add_subcommand("graph", "Print the resources and their dependencies as Graphviz DOT.");
  graph->add_option("spec", p.graph.spec, "Spec file (YAML)")->required();
  graph->add_option("--observed", p.graph.observed, "Observed live state (JSON)");
  graph->add_option("--only", p.graph.only, "Limit to addresses starting with PREFIX")
      ->type_name("PREFIX");
  variable_options(graph);

  p.lab = define_lab(app);

  app.add_subcommand("version", "Print the version.");
  CLI::App* help = app.add_subcommand("help", "Show help for syncdeploy or one command.");
  help->add_option("command", p.help_topic, "Command to explain");
}

// The option among `args` (after the command's name) that `command` does not have, if any:
// what CLI11's "argument was not expected" is about when it is an option.
std::optional<std::string> unknown_option(const CLI::App& command,
                                          const std::vector<std::string>& args,
                                          std::vector<std::string>& known) {
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) known.push_back("--" + name);
    for (const std::string& name : option->get_snames()) known.push_back("-" + name);
  }
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-' || std::isdigit(static_cast<unsigned char>(arg[1])))
      continue;
    const std::string name = arg.substr(0, arg.find('='));
    if (std::find(known.begin(), known.end(), name) == known.end()) return name;
  }
  return std::nullopt;
}

std::string version_line() {
  return "syncdeploy " + std::string(kVersion) + " (spec version 1, JSON plan format " +
         std::string(kPlanFormatVersion) + ")\n";
}

// Parses the arguments and runs one command; run() checks what it wrote.
int dispatch(const std::vector<std::string>& raw_args, const Context& ctx) {
  std::ostream& out = ctx.out;
  std::ostream& err = ctx.err;
  CLI::App app{"syncdeploy: NexJ CRM <-> Microsoft Exchange synchronization as code.",
               "syncdeploy"};
  Parsed p;
  define(app, p);
  app.footer(
      "Exit codes: 0 success or no changes, 1 error (a plan that cannot be applied too), 2 "
      "changes pending or drift, 3 apply incomplete, 4 saved plan stale, 5 users who cannot "
      "sync, 6 import incomplete. See docs/cli.md.");

  const std::string root_help = app.help();

  // Name the problem plainly; CLI11 would say "A subcommand is required" for both cases.
  constexpr const char* kCommands =
      "commands: validate, plan, show, apply, diff, export, import, graph, force-unlock, "
      "lab, version, help";
  if (raw_args.empty()) {
    err << "syncdeploy: error: no command given; " << kCommands << "\n";
    return kExitError;
  }
  if (raw_args[0] == "--version") {
    out << version_line();
    return kExitOk;
  }
  std::vector<std::string> command_names;
  for (const CLI::App* command : app.get_subcommands({}))
    command_names.push_back(command->get_name());
  // "'plna' (did you mean 'plan'?); commands: ...": a command name that is none of them.
  auto with_suggestion = [&](const std::string& name) {
    std::string text = "'" + printable(name) + "'";
    if (std::optional<std::string> near = closest_match(name, command_names))
      text += " (did you mean '" + *near + "'?)";
    return text + "; " + kCommands;
  };
  if (!raw_args[0].starts_with("-") &&
      std::find(command_names.begin(), command_names.end(), raw_args[0]) == command_names.end()) {
    err << "syncdeploy: error: unknown command " << with_suggestion(raw_args[0]) << "\n";
    return kExitError;
  }

  std::vector<std::string> args = normalize(raw_args);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    if (app.get_subcommands().empty()) {
      out << app.help();
    } else {
      // `lab serve --help`: the innermost command's help, named by the commands above it.
      const CLI::App* command = app.get_subcommands().front();
      std::string prefix = "syncdeploy";
      while (!command->get_subcommands().empty()) {
        prefix += " " + command->get_name();
        command = command->get_subcommands().front();
      }
      out << command->help(prefix);
    }
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // An option the command does not have is named as such, with the nearest one it has.
    if (!raw_args.empty() && !raw_args[0].starts_with("-")) {
      const CLI::App* command = app.get_subcommand(raw_args[0]);
      std::string name = "syncdeploy " + raw_args[0];
      size_t skip = 1;
      if (raw_args.size() > 1)
        for (const CLI::App* inner : command->get_subcommands({}))
          if (inner->get_name() == raw_args[1]) {
            command = inner;
            name += " " + raw_args[1];
            skip = 2;
          }
      std::vector<std::string> known;
      const std::vector<std::string> rest(raw_args.begin() + static_cast<std::ptrdiff_t>(skip),
                                          raw_args.end());
      if (std::optional<std::string> unknown = unknown_option(*command, normalize(rest), known)) {
        err << "syncdeploy: error: " << name << " has no option " << quoted(*unknown);
        if (std::optional<std::string> near = closest_match(*unknown, known))
          err << "; did you mean " << *near << "?";
        err << "\nRun 'syncdeploy help " << raw_args[0] << "' for its options.\n";
        return kExitError;
      }
    }
    // CLI11 quotes the offending argument as given: escape it like every other error.
    err << "syncdeploy: error: " << escape_controls(e.what()) << "\n"
        << "Run 'syncdeploy help' for the commands and their options.\n";
    return kExitError;
  }

  const CLI::App* sub = app.get_subcommands().front();
  const std::string& name = sub->get_name();
  const Context with_variables{ctx.out, ctx.err, ctx.env, &p.variables};
  if (name == "validate") return run_validate(p.validate, with_variables);
  if (name == "plan" || name == "show") {
    if (p.json && p.markdown) {
      err << "syncdeploy: error: --json and --markdown cannot be used together\n";
      return kExitError;
    }
    const PlanFormat format =
        p.json ? PlanFormat::Json : (p.markdown ? PlanFormat::Markdown : PlanFormat::Text);
    if (name == "show") {
      p.show.format = format;
      return run_show(p.show, ctx);
    }
    p.plan.format = format;
    return run_plan(p.plan, with_variables);
  }
  if (name == "graph") return run_graph(p.graph, with_variables);
  if (name == "apply") return run_apply(p.apply, with_variables);
  if (name == "diff") return run_diff(p.diff, with_variables);
  if (name == "export") return run_export(p.export_, with_variables);
  if (name == "import") return run_import(p.import, with_variables);
  if (name == "force-unlock") return run_force_unlock(p.unlock, with_variables);
  if (name == "lab") return run_lab(*p.lab, ctx);
  if (name == "version") {
    out << version_line();
    return kExitOk;
  }
  // help [command]
  if (p.help_topic.empty()) {
    out << root_help;
    return kExitOk;
  }
  for (const CLI::App* command : app.get_subcommands({})) {
    if (command->get_name() == p.help_topic) {
      out << command->help("syncdeploy");
      return kExitOk;
    }
  }
  err << "syncdeploy: error: no command named " << with_suggestion(p.help_topic) << "\n";
  return kExitError;
}

}  // namespace

int run(const std::vector<std::string>& raw_args, std::ostream& out, std::ostream& err,
        const Environment& env) {
  Environment effective = env;
  if (!effective.get_env) effective.get_env = process_env;
  Context ctx{out, err, effective};
  int code = dispatch(raw_args, ctx);
  // Every command's output passes here: a failed write (disk full, closed pipe) must never
  // look like success, above all to CI reading a truncated plan.
  out.flush();
  if (!out) {
    err << "syncdeploy: error: cannot write the output (disk full or pipe closed?)\n";
    return kExitError;
  }
  return code;
}

}  // namespace sd::cli
