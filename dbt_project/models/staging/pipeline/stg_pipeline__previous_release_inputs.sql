with

source as (

    select * from {{ source('pipeline', 'previous_release_inputs') }}

),

renamed as (

    select
        ---------- ids
        source_file::varchar as source_file,

        ---------- file facts, as recorded by the previous release
        sha256::varchar as sha256,
        outcome::varchar as outcome,
        release_id::varchar as release_id

    from source

)

select * from renamed
