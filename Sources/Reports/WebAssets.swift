import Foundation

/// The front end's files (Resources/), embedded in the binary at build time; the studio serves them under
/// `/assets/` (a module's imports are relative, so `/assets/pages/run-page.js` imports `/assets/lib/format.js`).
/// `GLASSBOX_STUDIO_ASSETS=DIR` serves them from DIR instead (for working on the front end without a rebuild).
///
/// Package.swift embeds every .js, .css and .html file under Resources/, and this table names each one by its path;
/// scripts/web-assets.py writes both from the folder after a file is added, moved or removed (a test checks them).
package enum WebAssets {
    /// Every file, by its path under Resources/; nothing else is ever served.
    static let files: [String: [UInt8]] = [
        "api.js": PackageResources.api_js,
        "lib/axis.js": PackageResources.axis_js,
        "lib/charts.js": PackageResources.charts_js,
        "lib/colors.js": PackageResources.colors_js,
        "lib/dom.js": PackageResources.dom_js,
        "lib/download.js": PackageResources.download_js,
        "lib/format.js": PackageResources.format_js,
        "lib/inspector.js": PackageResources.inspector_js,
        "lib/model-groups.js": PackageResources.model_groups_js,
        "lib/panels.js": PackageResources.panels_js,
        "lib/progress.js": PackageResources.progress_js,
        "lib/storage.js": PackageResources.storage_js,
        "lib/theme.js": PackageResources.theme_js,
        "lib/tokens.js": PackageResources.tokens_js,
        "lib/tooltip.js": PackageResources.tooltip_js,
        "lib/ui.js": PackageResources.ui_js,
        "lib/url-state.js": PackageResources.url_state_js,
        "pages/generate-page.js": PackageResources.generate_page_js,
        "pages/inspect-page.js": PackageResources.inspect_page_js,
        "pages/model-page.js": PackageResources.model_page_js,
        "pages/models-page.js": PackageResources.models_page_js,
        "pages/run-page.js": PackageResources.run_page_js,
        "pages/runs-page.js": PackageResources.runs_page_js,
        "panels/generate/generate-address.js": PackageResources.generate_address_js,
        "panels/generate/generate-attributions.js": PackageResources.generate_attributions_js,
        "panels/generate/generate-common.js": PackageResources.generate_common_js,
        "panels/generate/generate-comparison.js": PackageResources.generate_comparison_js,
        "panels/generate/generate-edits.js": PackageResources.generate_edits_js,
        "panels/generate/generate-errors.js": PackageResources.generate_errors_js,
        "panels/generate/generate-form.js": PackageResources.generate_form_js,
        "panels/generate/generate-head.js": PackageResources.generate_head_js,
        "panels/generate/generate-interventions.js": PackageResources.generate_interventions_js,
        "panels/generate/generate-lens.js": PackageResources.generate_lens_js,
        "panels/generate/generate-main.js": PackageResources.generate_main_js,
        "panels/generate/generate-model-notes.js": PackageResources.generate_model_notes_js,
        "panels/generate/generate-output.js": PackageResources.generate_output_js,
        "panels/generate/generate-pair.js": PackageResources.generate_pair_js,
        "panels/generate/generate-stream.js": PackageResources.generate_stream_js,
        "panels/generate/generate-token-panel.js": PackageResources.generate_token_panel_js,
        "panels/generate/generate-token-text.js": PackageResources.generate_token_text_js,
        "panels/inspect/inspect-address.js": PackageResources.inspect_address_js,
        "panels/inspect/inspect-attributions.js": PackageResources.inspect_attributions_js,
        "panels/inspect/inspect-busy.js": PackageResources.inspect_busy_js,
        "panels/inspect/inspect-common.js": PackageResources.inspect_common_js,
        "panels/inspect/inspect-diff-form.js": PackageResources.inspect_diff_form_js,
        "panels/inspect/inspect-diff-models.js": PackageResources.inspect_diff_models_js,
        "panels/inspect/inspect-diff-read.js": PackageResources.inspect_diff_read_js,
        "panels/inspect/inspect-diff-run.js": PackageResources.inspect_diff_run_js,
        "panels/inspect/inspect-document.js": PackageResources.inspect_document_js,
        "panels/inspect/inspect-form.js": PackageResources.inspect_form_js,
        "panels/inspect/inspect-graph.js": PackageResources.inspect_graph_js,
        "panels/inspect/inspect-head.js": PackageResources.inspect_head_js,
        "panels/inspect/inspect-model-picker.js": PackageResources.inspect_model_picker_js,
        "panels/inspect/inspect-patch-form.js": PackageResources.inspect_patch_form_js,
        "panels/inspect/inspect-patch-run.js": PackageResources.inspect_patch_run_js,
        "panels/inspect/inspect-run.js": PackageResources.inspect_run_js,
        "panels/inspect/inspect-stream.js": PackageResources.inspect_stream_js,
        "panels/inspect/inspect-tabs.js": PackageResources.inspect_tabs_js,
        "panels/model/model-architecture.js": PackageResources.model_architecture_js,
        "panels/model/model-card-common.js": PackageResources.model_card_common_js,
        "panels/model/model-card.js": PackageResources.model_card_js,
        "panels/model/model-crumbs.js": PackageResources.model_crumbs_js,
        "panels/model/model-head.js": PackageResources.model_head_js,
        "panels/model/model-histogram.js": PackageResources.model_histogram_js,
        "panels/model/model-parts.js": PackageResources.model_parts_js,
        "panels/model/model-size-class.js": PackageResources.model_size_class_js,
        "panels/model/model-status.js": PackageResources.model_status_js,
        "panels/model/model-types.js": PackageResources.model_types_js,
        "panels/model/model-weight-detail.js": PackageResources.model_weight_detail_js,
        "panels/model/model-weights-grid.js": PackageResources.model_weights_grid_js,
        "panels/model/model-weights-table.js": PackageResources.model_weights_table_js,
        "panels/models/models-groups.js": PackageResources.models_groups_js,
        "panels/models/models-head.js": PackageResources.models_head_js,
        "panels/models/models-list.js": PackageResources.models_list_js,
        "panels/probe-timeline.js": PackageResources.probe_timeline_js,
        "panels/probes/probe-cell.js": PackageResources.probe_cell_js,
        "panels/probes/probe-charts.js": PackageResources.probe_charts_js,
        "panels/probes/probe-data.js": PackageResources.probe_data_js,
        "panels/probes/probe-heads.js": PackageResources.probe_heads_js,
        "panels/probes/probe-layout.js": PackageResources.probe_layout_js,
        "panels/probes/probe-lens.js": PackageResources.probe_lens_js,
        "panels/probes/probe-live.js": PackageResources.probe_live_js,
        "panels/probes/probe-predictions.js": PackageResources.probe_predictions_js,
        "panels/probes/probe-state.js": PackageResources.probe_state_js,
        "panels/probes/probe-summary.js": PackageResources.probe_summary_js,
        "panels/probes/probe-widgets.js": PackageResources.probe_widgets_js,
        "panels/run/run-address.js": PackageResources.run_address_js,
        "panels/run/run-chart-defs.js": PackageResources.run_chart_defs_js,
        "panels/run/run-charts.js": PackageResources.run_charts_js,
        "panels/run/run-checkpoints.js": PackageResources.run_checkpoints_js,
        "panels/run/run-classic.js": PackageResources.run_classic_js,
        "panels/run/run-compare.js": PackageResources.run_compare_js,
        "panels/run/run-controls.js": PackageResources.run_controls_js,
        "panels/run/run-finetune.js": PackageResources.run_finetune_js,
        "panels/run/run-grouping.js": PackageResources.run_grouping_js,
        "panels/run/run-head.js": PackageResources.run_head_js,
        "panels/run/run-histograms.js": PackageResources.run_histograms_js,
        "panels/run/run-hyper-parameters.js": PackageResources.run_hyper_parameters_js,
        "panels/run/run-live.js": PackageResources.run_live_js,
        "panels/run/run-main-charts.js": PackageResources.run_main_charts_js,
        "panels/run/run-messages.js": PackageResources.run_messages_js,
        "panels/run/run-mlp.js": PackageResources.run_mlp_js,
        "panels/run/run-parameters.js": PackageResources.run_parameters_js,
        "panels/run/run-ranks.js": PackageResources.run_ranks_js,
        "panels/run/run-samples.js": PackageResources.run_samples_js,
        "panels/run/run-seq2seq.js": PackageResources.run_seq2seq_js,
        "panels/run/run-series.js": PackageResources.run_series_js,
        "panels/run/run-state.js": PackageResources.run_state_js,
        "panels/runs/runs-address.js": PackageResources.runs_address_js,
        "panels/runs/runs-columns-menu.js": PackageResources.runs_columns_menu_js,
        "panels/runs/runs-columns.js": PackageResources.runs_columns_js,
        "panels/runs/runs-errors.js": PackageResources.runs_errors_js,
        "panels/runs/runs-filter-bar.js": PackageResources.runs_filter_bar_js,
        "panels/runs/runs-filter-hint.js": PackageResources.runs_filter_hint_js,
        "panels/runs/runs-filter.js": PackageResources.runs_filter_js,
        "panels/runs/runs-head.js": PackageResources.runs_head_js,
        "panels/runs/runs-metrics.js": PackageResources.runs_metrics_js,
        "panels/runs/runs-selection.js": PackageResources.runs_selection_js,
        "panels/runs/runs-state.js": PackageResources.runs_state_js,
        "panels/runs/runs-table.js": PackageResources.runs_table_js,
        "panels/runs/runs-toolbar.js": PackageResources.runs_toolbar_js,
        "report.css": PackageResources.report_css,
        "report.js": PackageResources.report_js,
        "studio.css": PackageResources.studio_css,
        "studio.html": PackageResources.studio_html,
        "studio.js": PackageResources.studio_js,
        "theme-boot.js": PackageResources.theme_boot_js,
        "views/classic.js": PackageResources.classic_js,
        "views/classic/classic-common.js": PackageResources.classic_common_js,
        "views/classic/classic-player.js": PackageResources.classic_player_js,
        "views/classic/finetune-answers.js": PackageResources.finetune_answers_js,
        "views/classic/finetune-facts.js": PackageResources.finetune_facts_js,
        "views/classic/finetune-usage.js": PackageResources.finetune_usage_js,
        "views/classic/finetune-view.js": PackageResources.finetune_view_js,
        "views/classic/finetune-words.js": PackageResources.finetune_words_js,
        "views/classic/mlp-boundary.js": PackageResources.mlp_boundary_js,
        "views/classic/mlp-draw.js": PackageResources.mlp_draw_js,
        "views/classic/mlp-first-layer.js": PackageResources.mlp_first_layer_js,
        "views/classic/mlp-fit.js": PackageResources.mlp_fit_js,
        "views/classic/mlp-importance.js": PackageResources.mlp_importance_js,
        "views/classic/mlp-metrics.js": PackageResources.mlp_metrics_js,
        "views/classic/mlp-view.js": PackageResources.mlp_view_js,
        "views/classic/mlp-words.js": PackageResources.mlp_words_js,
        "views/classic/seq2seq-alignment-figure.js": PackageResources.seq2seq_alignment_figure_js,
        "views/classic/seq2seq-alignment.js": PackageResources.seq2seq_alignment_js,
        "views/classic/seq2seq-exact.js": PackageResources.seq2seq_exact_js,
        "views/classic/seq2seq-layers.js": PackageResources.seq2seq_layers_js,
        "views/classic/seq2seq-thumbs.js": PackageResources.seq2seq_thumbs_js,
        "views/classic/seq2seq-translate.js": PackageResources.seq2seq_translate_js,
        "views/classic/seq2seq-view.js": PackageResources.seq2seq_view_js,
        "views/classic/seq2seq-words.js": PackageResources.seq2seq_words_js,
        "views/classic/seq2seq-zoom.js": PackageResources.seq2seq_zoom_js,
        "views/report-views.js": PackageResources.report_views_js,
        "views/report/report-attention-data.js": PackageResources.report_attention_data_js,
        "views/report/report-attention-zoom.js": PackageResources.report_attention_zoom_js,
        "views/report/report-attention.js": PackageResources.report_attention_js,
        "views/report/report-diff-head-zoom.js": PackageResources.report_diff_head_zoom_js,
        "views/report/report-diff-heads.js": PackageResources.report_diff_heads_js,
        "views/report/report-diff-layers.js": PackageResources.report_diff_layers_js,
        "views/report/report-diff-neurons.js": PackageResources.report_diff_neurons_js,
        "views/report/report-diff-sides.js": PackageResources.report_diff_sides_js,
        "views/report/report-diff.js": PackageResources.report_diff_js,
        "views/report/report-dla.js": PackageResources.report_dla_js,
        "views/report/report-glossary.js": PackageResources.report_glossary_js,
        "views/report/report-graph-details.js": PackageResources.report_graph_details_js,
        "views/report/report-graph-layout.js": PackageResources.report_graph_layout_js,
        "views/report/report-graph-paint.js": PackageResources.report_graph_paint_js,
        "views/report/report-graph.js": PackageResources.report_graph_js,
        "views/report/report-inspect.js": PackageResources.report_inspect_js,
        "views/report/report-kit.js": PackageResources.report_kit_js,
        "views/report/report-lens.js": PackageResources.report_lens_js,
        "views/report/report-neurons.js": PackageResources.report_neurons_js,
        "views/report/report-patch.js": PackageResources.report_patch_js,
        "views/report/report-prompt.js": PackageResources.report_prompt_js,
        "views/report/report-tokens.js": PackageResources.report_tokens_js,
    ]

    /// Every file's path.
    package static var names: [String] { files.keys.sorted() }

    /// The report's entry module: it and every module it imports are inlined into one script (`ModuleInliner`).
    package static let reportEntry = "report.js"
    /// What a self-contained report inlines as styles, in order (the studio's styles first: theme tokens, buttons,
    /// menus, tooltip; report.css adds the panels).
    package static let reportStyles = ["studio.css", "report.css"]

    package static func bytes(_ name: String) -> [UInt8]? {
        if let dir = ProcessInfo.processInfo.environment["GLASSBOX_STUDIO_ASSETS"], !dir.isEmpty {
            // Working on the front end: any .js, .css or .html file under DIR, new ones included, by a plain path.
            guard isPlainPath(name), let data = FileManager.default.contents(atPath: URL(fileURLWithPath: dir).appendingPathComponent(name).path) else {
                return files[name]
            }
            return [UInt8](data)
        }
        return files[name]
    }

    /// "lib/format.js": lowercase letters, digits, "-", "_" and "." in "/"-separated parts, none of them "." or "..",
    /// ending in .js, .css or .html.
    static func isPlainPath(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part.first != "." && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "-_.".contains($0)) }
        } && [".js", ".css", ".html"].contains { name.hasSuffix($0) }
    }

    /// A file as UTF-8 text.
    package static func text(_ name: String) -> String? { bytes(name).map { String(decoding: $0, as: UTF8.self) } }

    package static func contentType(_ name: String) -> String {
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        return "application/octet-stream"
    }

    /// Whether assets come from a folder on disk (development) rather than the binary.
    package static var fromDisk: Bool { !(ProcessInfo.processInfo.environment["GLASSBOX_STUDIO_ASSETS"] ?? "").isEmpty }
}
