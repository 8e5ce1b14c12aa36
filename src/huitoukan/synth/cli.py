"""`huitoukan synth OUTDIR --households N --seed S`: write a synthetic county (docs/synth.md)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

CODE_TITLES = {
    "ID_INVALID": "证件号码无效", "ID_DUPLICATE": "证件号码重复", "ID_SEX_MISMATCH": "性别与证件号码不符",
    "HEAD_MISSING": "无户主", "HEAD_MULTIPLE": "多个户主", "SPOUSE_SAME_SEX": "户主与配偶同性别",
    "RELATION_AGE": "与户主关系和年龄不符", "SIZE_MISMATCH": "人数与成员不符", "NO_HELPER": "无帮扶责任人",
    "CAUSE_MISSING": "缺主要致贫原因", "INCOME_INCONSISTENT": "收入计算不符", "GUARANTEE_EDUCATION": "义务教育未保障",
    "GUARANTEE_MEDICAL": "基本医疗保险未参保", "GUARANTEE_HOUSING": "住房不安全", "GUARANTEE_WATER": "饮水不安全",
    "EXIT_BELOW_LINE": "脱贫户收入低于贫困线", "EXIT_SAME_YEAR": "当年识别当年脱贫", "BORDERLINE": "边缘收入",
    "DECEASED_UNMARKED": "已死亡未标注", "EXCL_PAYROLL": "财政供养人员", "EXCL_BUSINESS": "经营企业",
    "EXCL_PROPERTY": "拥有商品房", "EXCL_CAR": "拥有小汽车", "DIBAO_MISMATCH": "低保身份不符",
    "ENTRY_MISSED": "应纳未纳", "RISK_MEDICAL_COST": "大额医疗支出",
}


def synth(
    outdir: Annotated[Path, typer.Argument(file_okay=False, help="Folder to write the files into (created if missing).")],
    households: int = typer.Option(5000, "--households", min=10, help="Registry households to generate."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives byte-identical files."),
    xlsx: bool = typer.Option(False, "--xlsx", help="Also write registry.xlsx (slower: about 45 s per 100,000 people)."),
    as_of: str = typer.Option("2020-12-31", "--as-of", help="The look-back date: ages and the year are taken at it."),
) -> None:
    from rich.console import Console
    from rich.table import Table

    from .generator import SynthConfig, generate
    from .truth import ALL_CODES

    try:
        as_of_date = dt.date.fromisoformat(as_of)
    except ValueError as exc:
        typer.echo(f"错误：--as-of 应为 YYYY-MM-DD 格式的日期（如 2020-12-31），而不是 {as_of!r}", err=True)
        raise typer.Exit(2) from exc
    if as_of_date.year < 2016:
        typer.echo("错误：--as-of 应不早于 2016 年（建档立卡从 2014 年开始，脱贫至少晚一年）", err=True)
        raise typer.Exit(2)
    config = SynthConfig(households=households, seed=seed, xlsx=xlsx, as_of=as_of_date)

    console = Console()
    started = time.monotonic()
    with console.status(f"正在生成模拟县（{households} 户）……"):
        result = generate(outdir, config)
    seconds = time.monotonic() - started

    manifest = result.manifest
    county = manifest["county"]
    console.print(f"[bold]{county['name']}[/bold]（{county['towns']} 个乡镇，{county['villages']} 个行政村，"
                  f"其中贫困村 {county['poor_villages']} 个）：{result.households} 户，{result.people} 人"
                  f"（在世 {manifest['people_living']} 人），截至 {config.as_of.isoformat()}，用时 {seconds:.1f} 秒")
    files = Table(title=f"文件（{result.outdir}）", show_header=True)
    for column in ("文件", "编码", "行数"):
        files.add_column(column, justify="right" if column == "行数" else "left")
    for name, info in manifest["files"].items():
        files.add_row(name, info["encoding"], f"{info['rows']:,}")
    console.print(files)
    problems = Table(title="注入的问题（ground_truth.csv）", show_header=True)
    problems.add_column("规则")
    problems.add_column("说明")
    problems.add_column("数量", justify="right")
    for code in ALL_CODES:
        problems.add_row(code, CODE_TITLES.get(code, ""), str(result.truth_counts[code]))
    problems.add_row("合计", "", str(sum(result.truth_counts.values())), style="bold")
    console.print(problems)
    console.print(f"需概率匹配的记录 {manifest['probabilistic_links']['total']} 条（links.csv），"
                  f"同名干扰记录 {manifest['decoys']} 条（decoys.csv）；政策标准见 policy.yaml。")
