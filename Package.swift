// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "FreeSpectra",
    products: [
        .library(name: "FreeSpectra", targets: ["FreeSpectra"]),
        .executable(name: "freespec", targets: ["freespec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // GSL is linked alone (module map `link "gsl"`, no pkg-config): `gsl.pc` adds
        // -lgslcblas, which can shadow OpenBLAS's cblas_dgemm.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .target(
            name: "FreeSpectra",
            dependencies: [
                "CGSL", "COpenBLAS",
                .product(name: "Numerics", package: "swift-numerics"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .executableTarget(
            name: "freespec",
            dependencies: [
                "FreeSpectra",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "FreeSpectraBench",
            dependencies: ["FreeSpectra"],
            path: "Benchmarks/FreeSpectraBench"),
        .testTarget(
            name: "FreeSpectraTests",
            dependencies: ["FreeSpectra"]),
    ]
)
