// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "FreeSpectra",
    products: [
        .library(name: "FreeSpectra", targets: ["FreeSpectra"]),
        .library(name: "FreeSpectraPlot", targets: ["FreeSpectraPlot"]),
        .executable(name: "freespec", targets: ["freespec"]),
        .executable(name: "freespec-validate", targets: ["freespec-validate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        // .npz archives (zip, stored or deflated) for the array readers in FreeSpectra/IO.
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // GSL is linked alone (module map `link "gsl"`, no pkg-config): `gsl.pc` adds
        // -lgslcblas, which can shadow OpenBLAS's cblas_dgemm.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        // GLPK: linear programs (the minimum-ℓ1 interpolant of `implicit-bias`).
        .systemLibrary(name: "CGLPK", path: "Sources/CGLPK", providers: [.apt(["libglpk-dev"])]),
        .target(
            name: "FreeSpectra",
            dependencies: [
                "CGSL", "COpenBLAS", "CGLPK",
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        // SVG figures (axes, histograms, curves, points, legends); no dependency on the numerics.
        .target(name: "FreeSpectraPlot"),
        .executableTarget(
            name: "freespec",
            dependencies: [
                "FreeSpectra", "FreeSpectraPlot", "COpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "FreeSpectraBench",
            dependencies: ["FreeSpectra"],
            path: "Benchmarks/FreeSpectraBench"),
        // The validation runner: runs the catalogue in Validation/ through the freespec binary
        // (each case a child process with a time limit) and writes Docs/validation/.
        .executableTarget(
            name: "freespec-validate",
            dependencies: ["FreeSpectra", "FreeSpectraPlot"],
            path: "Sources/FreeSpecValidate"),
        // `freespec` is a dependency for the command line's tests (CLIContractTests), which parse
        // and validate in process.
        .testTarget(
            name: "FreeSpectraTests",
            dependencies: ["FreeSpectra", "FreeSpectraPlot", "freespec",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)
